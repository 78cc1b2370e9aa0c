import { PartialType } from '@nestjs/swagger';
import { ApplicationIn } from './application-in.dto';

/** Svix's `ApplicationPatch`: absent fields keep their value; `uid: null` removes the uid. */
export class ApplicationPatch extends PartialType(ApplicationIn) {}
