import { SetMetadata } from '@nestjs/common';

export const IS_ORGANISATION_WIDE = 'idem:isOrganisationWide';

/**
 * Marks a route that acts beyond any one application (creating applications, the event type
 * catalogue, API tokens). A token scoped to an application gets 403 there; routes under
 * `/app/{app_id}` need no mark, because every one of them resolves the application through the
 * caller's scope and answers 404 for another application's.
 */
export const OrganisationWide = () => SetMetadata(IS_ORGANISATION_WIDE, true);
