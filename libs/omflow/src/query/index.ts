export { QueryModule } from './query.module.js';
export { QUERY_PATHS } from './query-body-errors.js';
export { UserQueryService } from './user-query.service.js';
export { OMFLOW_SECURITY_CODE } from './user-query.controller.js';
