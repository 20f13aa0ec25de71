export { DirectoryProxyModule, PROXY_PATHS } from './directory-proxy.module.js';
export { DirectoryProxyService, EMPLOYEE_OPERATIONS, type EmployeeOperation } from './directory-proxy.service.js';
export { ProxySyncTrigger } from './proxy-sync.trigger.js';
export { ProxyEnvelopeFilter, ProxyStatus } from './proxy-envelope.filter.js';
