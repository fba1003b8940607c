import { describe, expect, it } from 'vitest';
import { parseSearchFilter } from '@orrery/core';
import { compileRunFilter, renderQuery, sql, sqlList } from '@orrery/sql';
import { postgresDialect } from '@orrery/plugin-postgres';

describe('PostgreSQL dialect rendering', () => {
  it('binds every user value and key as a numbered parameter', () => {
    const hostile = "x'; DROP TABLE runs; --";
    const ast = parseSearchFilter(`params.p = "${hostile}" AND tags.\`t\` LIKE '%a' AND metrics.\`m\` > 3`, 'run');
    const postgres = renderQuery(compileRunFilter(ast), postgresDialect);
    expect(postgres.text).not.toContain('DROP');
    expect(postgres.text).toContain('$6');
    expect(postgres.text).not.toContain('?');
    expect(postgres.text).toContain("LIKE $4 ESCAPE ''");
    expect(postgres.values).toEqual(['p', hostile, 't', '%a', 'm', 3]);
  });

  it('binds a list as one array parameter, rewriting IN and NOT IN', () => {
    const ids = [1, 2, 3];
    expect(renderQuery(sql`SELECT 1 WHERE id IN ${sqlList(ids, 'bigint')}`, postgresDialect)).toEqual({
      text: 'SELECT 1 WHERE id = ANY(CAST($1 AS bigint[]))',
      values: [ids],
    });
    expect(renderQuery(sql`SELECT 1 WHERE k NOT IN ${sqlList(['a'])}`, postgresDialect).text).toBe('SELECT 1 WHERE k <> ALL(CAST($1 AS text[]))');
  });
});
