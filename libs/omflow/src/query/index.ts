export { QUERY_PATHS, QueryModule } from './query.module.js';
export { UserQueryService } from './user-query.service.js';
export { OMFLOW_SECURITY_CODE } from './user-query.controller.js';
export { MAX_VALUE_LENGTH } from './query-parser.js';
