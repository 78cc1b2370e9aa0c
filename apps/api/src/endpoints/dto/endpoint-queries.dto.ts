import { OrderedListQuery } from '../../http/list';

export class EndpointListQuery extends OrderedListQuery {}
