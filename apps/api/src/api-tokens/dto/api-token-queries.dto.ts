import { OrderedListQuery } from '../../http/list';

export class ApiTokenListQuery extends OrderedListQuery {}
