import { DeliveryRepository } from './delivery.repository';

export { DeliveryRepository };

export const REPOSITORIES = [DeliveryRepository];
