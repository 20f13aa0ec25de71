import { AccessClients1763880000000 } from './1763880000000-access-clients.js';

/** Every migration, oldest first. Each runs on MySQL/MariaDB and SQLite alike. */
export const migrations = [AccessClients1763880000000];
