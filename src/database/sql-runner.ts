import type { DataSource } from 'typeorm';
import type { SqlRunner } from '../secrets/sealed-store';

/** Plain SQL on the gateway's database, for the modules that know no TypeORM. */
export function sqlRunner(dataSource: DataSource): SqlRunner {
  return {
    query: (sql, params) => dataSource.query(sql, params),
    transaction: (fn) =>
      dataSource.transaction((manager) => fn((sql, params) => manager.query(sql, params))),
  };
}
