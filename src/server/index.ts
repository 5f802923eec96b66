export { buildServer, type ServerOptions } from './app.js';
export { DEFAULT_IMPORT_BODY_LIMIT, DEFAULT_WORKSPACE } from './defaults.js';
export { Workspaces, openControlDb, workspaceDir, type WorkspacesOptions } from './workspaces.js';
export { ControlDb } from './control-db.js';
export { KEY_CACHE_CHECK_MS } from './control-file-watch.js';
export { createKey, KEY_CACHE_MAX_AGE_MS, listKeys, parseOrigins, parseScopes, revokeKey, SCOPES, type ApiKey, type Scope } from './api-keys.js';
export { dashboardBuilt } from './dashboard.js';
