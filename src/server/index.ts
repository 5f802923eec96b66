export { buildServer, DEFAULT_BODY_LIMIT, type ServerOptions } from './app.js';
export { Workspaces, DEFAULT_WORKSPACE, openControlDb, workspaceDir, type WorkspacesOptions } from './workspaces.js';
export { ControlDb } from './control-db.js';
export { createKey, listKeys, parseScopes, SCOPES, type ApiKey, type Scope } from './api-keys.js';
