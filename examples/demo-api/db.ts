import { DatabaseSync } from 'node:sqlite';
import { hashPassword } from './lib/password.ts';

/** Test credentials seeded into both example APIs (documented in the README; not secrets). */
export const SEED_USERS = [
  {
    username: 'alice',
    password: 'alice123',
    email: 'alice@example.com',
    display_name: 'Alice',
    role: 'user',
  },
  { username: 'bob', password: 'bob123', email: 'bob@example.com', display_name: 'Bob', role: 'user' },
  {
    username: 'admin',
    password: 'admin123',
    email: 'admin@example.com',
    display_name: 'Admin',
    role: 'admin',
  },
] as const;

/** Products seeded into both example APIs; hidden ones are never listed by a normal search. */
export const SEED_PRODUCTS = [
  { name: 'Widget', description: 'A plain widget', price_cents: 999, hidden: 0 },
  { name: 'Widget Pro', description: 'A widget with more buttons', price_cents: 2499, hidden: 0 },
  { name: 'Gadget', description: 'A gadget for every drawer', price_cents: 1599, hidden: 0 },
  { name: 'Gizmo', description: 'Does one thing well', price_cents: 499, hidden: 0 },
  { name: 'Doohickey', description: 'Nobody knows what it does', price_cents: 199, hidden: 0 },
  { name: 'Thingamajig', description: 'Fits the Doohickey', price_cents: 349, hidden: 0 },
  {
    name: 'Prototype X (unreleased)',
    description: 'Internal: not for sale yet',
    price_cents: 99999,
    hidden: 1,
  },
  { name: 'Staff discount card', description: 'Internal: 100% off', price_cents: 0, hidden: 1 },
] as const;

/** Orders seeded into both example APIs: owner username, product index and a Luhn-valid test card. */
export const SEED_ORDERS = [
  { owner: 'alice', product: 0, quantity: 2, card_number: '4242424242424242', card_holder: 'Alice Liddell' },
  { owner: 'alice', product: 2, quantity: 1, card_number: '4242424242424242', card_holder: 'Alice Liddell' },
  { owner: 'alice', product: 3, quantity: 5, card_number: '4000056655665556', card_holder: 'Alice Liddell' },
  { owner: 'bob', product: 1, quantity: 1, card_number: '5555555555554444', card_holder: 'Bob Builder' },
  { owner: 'bob', product: 4, quantity: 3, card_number: '5555555555554444', card_holder: 'Bob Builder' },
  { owner: 'admin', product: 5, quantity: 1, card_number: '378282246310005', card_holder: 'Ada Admin' },
] as const;

/** Open (or create) the demo database and reset it to the seed data. */
export async function openDemoDatabase(file: string): Promise<DatabaseSync> {
  const hashes = await Promise.all(SEED_USERS.map((u) => hashPassword(u.password)));
  const db = new DatabaseSync(file);
  db.exec(`
    DROP TABLE IF EXISTS orders;
    DROP TABLE IF EXISTS products;
    DROP TABLE IF EXISTS users;
    CREATE TABLE users (
      id INTEGER PRIMARY KEY,
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
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL,
      product_id INTEGER NOT NULL,
      quantity INTEGER NOT NULL,
      total_cents INTEGER NOT NULL,
      status TEXT NOT NULL,
      card_number TEXT NOT NULL,
      card_holder TEXT NOT NULL
    );
  `);
  const insertUser = db.prepare(
    'INSERT INTO users (username, email, display_name, role, password_hash) VALUES (?, ?, ?, ?, ?)',
  );
  const userIds = new Map<string, number>();
  SEED_USERS.forEach((u, i) => {
    const r = insertUser.run(u.username, u.email, u.display_name, u.role, hashes[i] as string);
    userIds.set(u.username, Number(r.lastInsertRowid));
  });
  const insertProduct = db.prepare(
    'INSERT INTO products (name, description, price_cents, hidden) VALUES (?, ?, ?, ?)',
  );
  const productIds = SEED_PRODUCTS.map((p) =>
    Number(insertProduct.run(p.name, p.description, p.price_cents, p.hidden).lastInsertRowid),
  );
  const insertOrder = db.prepare(
    `INSERT INTO orders (user_id, product_id, quantity, total_cents, status, card_number, card_holder)
     VALUES (?, ?, ?, ?, 'paid', ?, ?)`,
  );
  for (const o of SEED_ORDERS) {
    const product = SEED_PRODUCTS[o.product] as (typeof SEED_PRODUCTS)[number];
    insertOrder.run(
      userIds.get(o.owner) as number,
      productIds[o.product] as number,
      o.quantity,
      o.quantity * product.price_cents,
      o.card_number,
      o.card_holder,
    );
  }
  return db;
}
