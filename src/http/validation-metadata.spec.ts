import { IsInt, IsString, validateSync } from 'class-validator';
import { memoizeValidationMetadata } from './validation-metadata';

describe('memoized validation rules', () => {
  beforeAll(() => memoizeValidationMetadata());

  it('validates as before, also a class whose rules are added after a first validation', () => {
    class First {
      @IsString()
      name!: unknown;
    }
    const ok = Object.assign(new First(), { name: 'a' });
    const bad = Object.assign(new First(), { name: 3 });
    expect(validateSync(ok)).toEqual([]);
    expect(validateSync(bad).map((e) => e.property)).toEqual(['name']);

    // Defined after rules were looked up (and kept): the new rules are seen.
    class Second extends First {
      @IsInt()
      count!: unknown;
    }
    const second = Object.assign(new Second(), { name: 'b', count: 'x' });
    expect(validateSync(second).map((e) => e.property)).toEqual(['count']);
    expect(validateSync(Object.assign(new Second(), { name: 4, count: 1 }))).toHaveLength(1);
  });
});
