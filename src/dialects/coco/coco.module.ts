import { Module } from '@nestjs/common';
import type { DialectDefinition } from '../../http/dialect';
import { CocoExceptionFilter } from './coco-exception.filter';
import { CocoConnectorsController } from './coco.controller';

@Module({ controllers: [CocoConnectorsController] })
export class CocoModule {}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

export const cocoDialect: DialectDefinition = {
  name: 'coco',
  title: 'Coco Server connectors',
  description:
    'Coco Server\'s connector API (create, view, update, delete, search), as the Coco desktop app and admin UI call it. Mounted at /connector and /coco/connector; X-API-TOKEN or Bearer keys. Secrets in `config` are encrypted at rest and shown as "******" on every route.',
  module: CocoModule,
  filter: new CocoExceptionFilter(),
  owns: (_method, path) => under(path, '/connector') || under(path, '/coco'),
};
