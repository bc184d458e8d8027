// The usage lines of the options every admin command takes (--dir, --database, --admin-url…),
// shared by their usage texts; kept apart from src/cli/admin-target.ts, which loads the store.

/** Usage lines for the admin target options. */
export const ADMIN_TARGET_USAGE = `Where changes go: the data directory (--dir, or --database postgres://…); while certbound serve
runs on it, through its admin API automatically; or any running instance with
  --admin-url URL --admin-cert F --admin-key F [--admin-ca F]`;
