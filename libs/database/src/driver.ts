/** True when the options point at MySQL/MariaDB rather than SQLite. */
export function isMysql(options: { type: string }): boolean {
  return options.type === 'mysql' || options.type === 'mariadb';
}
