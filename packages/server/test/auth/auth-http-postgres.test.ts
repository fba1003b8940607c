import { openPostgresAuthStore } from '@orrery/plugin-postgres';
import { useTestDatabase } from '../../../../plugins/postgres/test/postgres-test-helpers.js';
import { describeAuthHttpSuite } from './auth-http-suite.js';

const db = useTestDatabase();

describeAuthHttpSuite('postgres', () => openPostgresAuthStore(db.freshSchemaUri()));
