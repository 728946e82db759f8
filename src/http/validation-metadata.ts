import { getMetadataStorage } from 'class-validator';

type Lookup = (
  target: object,
  schema: string,
  always: boolean,
  strictGroups: boolean,
  groups?: string[],
) => unknown[];

interface Storage {
  getTargetValidationMetadatas: Lookup;
  addValidationMetadata: (metadata: unknown) => void;
}

const MEMOIZED = Symbol.for('connector-gateway.validationMetadataMemo');

/**
 * class-validator works out, for every object it validates (a body and each nested object in
 * it), which rules apply to its class by filtering its rules and walking every class it knows for
 * inherited ones: a list that only changes when a decorator adds a rule, at load time. This keeps
 * each answer per (class, options), and forgets them all whenever a rule is added, so a class
 * loaded later is never answered from an older list. The lists are only read, never changed
 * (ValidationExecutor groups them into new objects).
 */
export function memoizeValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as Storage & { [MEMOIZED]?: true };
  if (storage[MEMOIZED]) return;
  storage[MEMOIZED] = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  const known = new Map<object, Map<string, unknown[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byOptions = known.get(target);
    if (!byOptions) known.set(target, (byOptions = new Map<string, unknown[]>()));
    let rules = byOptions.get(key);
    if (!rules) byOptions.set(key, (rules = lookup(target, schema, always, strictGroups, groups)));
    return rules;
  };
  storage.addValidationMetadata = (metadata) => {
    known.clear();
    add(metadata);
  };
}
