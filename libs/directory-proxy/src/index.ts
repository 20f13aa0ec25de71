export { DirectoryProxyModule } from './directory-proxy.module.js';
export { PROXY_PATHS } from './proxy-body-errors.js';
export { DirectoryProxyService, EMPLOYEE_OPERATIONS, type EmployeeOperation } from './directory-proxy.service.js';
export { ProxySyncTrigger } from './proxy-sync.trigger.js';
export { ProxyEnvelopeFilter, ProxyStatus } from './proxy-envelope.filter.js';
