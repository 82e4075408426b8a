// GraphiQL for the browser; bundled by scripts/build-ide.ts (esbuild), served by src/http/ide.ts.
// No inline script and no CDN, so the page runs under the strict CSP the route sends.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';

const endpoint = new URL('/graphql', window.location.href).toString();

/** Plain POST /graphql; headers from the editor (e.g. Authorization) go along with it. */
async function fetcher(params, options) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(options?.headers ?? {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

const defaultQuery = `# Girok Auth GraphQL IDE
#
# To call protected fields (sessions, logoutAll, ...), log in, then paste the
# access token into the Headers tab below:
#
#   { "Authorization": "Bearer <accessToken>" }

query Me {
  me { id email emailVerified createdAt }
}
`;

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={defaultQuery}
    isHeadersEditorEnabled
    defaultEditorToolsVisibility="headers"
    defaultHeaders={'{\n  "Authorization": ""\n}'}
    shouldPersistHeaders={false}
  />,
);
