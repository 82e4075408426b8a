import { Pool, type PoolConfig } from 'pg';

/**
 * A small pg pool for the hottest statements: one autocommitted statement, outside any ORM
 * transaction (the viewer lookup of every authenticated request, the UPDATE of a refresh
 * token's rotation, and the account lookup of a password login). MikroORM's query path
 * costs about as much CPU again as the driver itself; this skips it. Same `?` placeholders
 * as `sql()`, numbered once per statement text.
 */
export class ReadPool {
  private readonly pool: Pool;
  private readonly numbered = new Map<string, { name?: string; text: string }>();

  /** `prepared`: each statement text is a named prepared statement, planned once per connection. */
  constructor(
    url: string,
    size: number,
    private readonly prepared = false,
  ) {
    const options: PoolConfig = { connectionString: url, max: size, idleTimeoutMillis: 30_000 };
    this.pool = new Pool(options);
    // An idle client whose server went away; the next query opens a new one.
    this.pool.on('error', () => undefined);
  }

  async query<T>(text: string, params: readonly unknown[]): Promise<T[]> {
    const { rows } = await this.pool.query({ ...this.statement(text), values: params as unknown[] });
    return rows as T[];
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private statement(text: string): { name?: string; text: string } {
    let numbered = this.numbered.get(text);
    if (!numbered) {
      let n = 0;
      numbered = { text: text.replace(/\?/g, () => `$${++n}`) };
      if (this.prepared) numbered.name = `girok_read_${this.numbered.size}`;
      this.numbered.set(text, numbered);
    }
    return numbered;
  }
}
