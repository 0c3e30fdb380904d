import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { SEED_ORDERS, SEED_PRODUCTS, SEED_USERS } from '../demo-api/db.ts';
import { hashPassword } from '../demo-api/lib/password.ts';

/** Open (or create) the control database and reset it to the same seed data as the demo. */
export async function openControlDatabase(file: string): Promise<DatabaseSync> {
  const hashes = await Promise.all(SEED_USERS.map((u) => hashPassword(u.password)));
  const db = new DatabaseSync(file);
  // Opaque random ids: nothing to enumerate, even though ownership is checked anyway.
  // Only the last four card digits are kept: what is not stored cannot leak.
  db.exec(`
    DROP TABLE IF EXISTS orders;
    DROP TABLE IF EXISTS products;
    DROP TABLE IF EXISTS users;
    CREATE TABLE users (
      id TEXT PRIMARY KEY,
      username TEXT NOT NULL UNIQUE,
      email TEXT NOT NULL,
      display_name TEXT NOT NULL,
      role TEXT NOT NULL DEFAULT 'user',
      password_hash TEXT NOT NULL
    );
    CREATE TABLE products (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      description TEXT NOT NULL,
      price_cents INTEGER NOT NULL,
      hidden INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE orders (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      product_id INTEGER NOT NULL,
      quantity INTEGER NOT NULL,
      total_cents INTEGER NOT NULL,
      status TEXT NOT NULL,
      card_last4 TEXT NOT NULL
    );
    PRAGMA foreign_keys = ON;
  `);
  const insertUser = db.prepare(
    'INSERT INTO users (id, username, email, display_name, role, password_hash) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const userIds = new Map<string, string>();
  SEED_USERS.forEach((u, i) => {
    const id = randomUUID();
    insertUser.run(id, u.username, u.email, u.display_name, u.role, hashes[i] as string);
    userIds.set(u.username, id);
  });
  const insertProduct = db.prepare(
    'INSERT INTO products (name, description, price_cents, hidden) VALUES (?, ?, ?, ?)',
  );
  const productIds = SEED_PRODUCTS.map((p) =>
    Number(insertProduct.run(p.name, p.description, p.price_cents, p.hidden).lastInsertRowid),
  );
  const insertOrder = db.prepare(
    `INSERT INTO orders (id, user_id, product_id, quantity, total_cents, status, card_last4)
     VALUES (?, ?, ?, ?, ?, 'paid', ?)`,
  );
  for (const o of SEED_ORDERS) {
    const product = SEED_PRODUCTS[o.product] as (typeof SEED_PRODUCTS)[number];
    insertOrder.run(
      randomUUID(),
      userIds.get(o.owner) as string,
      productIds[o.product] as number,
      o.quantity,
      o.quantity * product.price_cents,
      o.card_number.slice(-4),
    );
  }
  return db;
}
