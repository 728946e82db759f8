import { DataSource, QueryFailedError, type Repository } from 'typeorm';
import type { Connector } from '../domain/connector';
import { ConnectorAlreadyExistsError } from '../domain/connector.errors';
import type { Page, PageOf } from '../domain/connector.input';
import { ConnectorRepository, type DeleteOutcome } from '../domain/connector.repository';
import { ConnectorEntity } from './connector.entity';
import { ConnectorPersistenceMapper as Mapper } from './connector.mapper';

const UNIQUE_VIOLATION = '23505';

export class TypeOrmConnectorRepository extends ConnectorRepository {
  private readonly rows: Repository<ConnectorEntity>;

  constructor(private readonly dataSource: DataSource) {
    super();
    this.rows = dataSource.getRepository(ConnectorEntity);
  }

  async findById(organizationId: string, id: string): Promise<Connector | null> {
    const row = await this.rows.findOneBy({ organizationId, id });
    return row ? Mapper.toDomain(row) : null;
  }

  async list(organizationId: string, page: Page): Promise<PageOf<Connector>> {
    const [rows, total] = await Promise.all([
      this.rows.find({
        where: { organizationId },
        order: { createdAt: 'DESC', seq: 'DESC' },
        skip: page.offset,
        take: page.limit,
      }),
      this.rows.countBy({ organizationId }),
    ]);
    return { items: rows.map((r) => Mapper.toDomain(r)), total };
  }

  async insert(connector: Connector): Promise<Connector> {
    try {
      await this.rows.insert(Mapper.toPersistence(connector));
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw new ConnectorAlreadyExistsError(connector.id);
      }
      throw error;
    }
    return connector;
  }

  async insertMissing(connectors: Connector[]): Promise<number> {
    if (!connectors.length) return 0;
    const result = await this.rows
      .createQueryBuilder()
      .insert()
      .values(connectors.map((c) => Mapper.toPersistence(c)))
      .orIgnore()
      .execute();
    return result.identifiers.filter(Boolean).length;
  }

  async update(
    organizationId: string,
    id: string,
    change: (current: Connector) => Connector,
  ): Promise<Connector | null> {
    return this.dataSource.transaction(async (manager) => {
      const rows = manager.getRepository(ConnectorEntity);
      const row = await rows.findOne({
        where: { organizationId, id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) return null;
      const next = change(Mapper.toDomain(row));
      const { organizationId: _o, id: _i, createdAt: _c, ...values } = Mapper.toPersistence(next);
      await rows.update({ organizationId, id }, values);
      return next;
    });
  }

  async delete(organizationId: string, id: string): Promise<DeleteOutcome> {
    // Not `dataSource.query`: for a DELETE it answers `[rows, rowCount]`, never empty.
    const deleted = await this.rows.delete({ organizationId, id, builtin: false });
    if (deleted.affected) return 'deleted';
    return (await this.rows.existsBy({ organizationId, id })) ? 'builtin' : 'not_found';
  }
}
