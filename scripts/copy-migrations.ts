// Copies the SQL migrations next to the compiled storage code, where migrate() reads them.
import { cpSync } from 'node:fs';

cpSync('src/storage/migrations', 'dist/storage/migrations', { recursive: true, filter: (f) => !f.endsWith('.ts') });
