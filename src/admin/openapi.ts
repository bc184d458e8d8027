import { pathParams, type InputSchema, type Operation } from './operation.ts';

/** An OpenAPI 3.1 document, as JSON. */
export type OpenApiDocument = Readonly<Record<string, unknown>>;

/** The error statuses every operation may answer with, and when. */
const ERROR_RESPONSES: Readonly<Record<string, string>> = {
  '400': 'Invalid input (`invalid_input`: schema, a JSON type, a control character, an over-long id, a body for an operation that takes none; `ERR_CERTBOUND_INVALID_*`, `invalid_client_metadata`)',
  '401': 'No client certificate was presented (`unauthorized`)',
  '403': 'The certificate is not an administrator certificate (`forbidden`), or the change would cross partners',
  '404': 'No such partner, client, resource, certificate or grant (`ERR_CERTBOUND_NOT_FOUND`)',
  '409': 'The change conflicts with the current state (`ERR_CERTBOUND_EXISTS`, `_CONFLICT`, `_NO_CA_KEY`), or the database refused it as conflicting',
  '500': 'An unexpected failure (`server_error`), without detail',
  '503': 'The database could not answer (`temporarily_unavailable`); try again',
};

function queryParameters(input: InputSchema): unknown[] {
  const required = new Set(input.required);
  return Object.entries(input.properties).map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema }));
}

function operationObject(op: Operation): Record<string, unknown> {
  const bodyInput = op.method === 'POST' || op.method === 'PUT';
  const parameters = [
    ...pathParams(op.path).map((name) => ({
      name,
      in: 'path',
      required: true,
      description: 'percent-encoded (a resource identifier is a URL)',
      schema: { type: 'string', minLength: 1 },
    })),
    ...(op.input && !bodyInput ? queryParameters(op.input) : []),
  ];
  return {
    operationId: op.id,
    summary: op.summary,
    tags: [op.path.split('/')[2] ?? 'admin'],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.input && bodyInput ? { requestBody: { required: true, content: { 'application/json': { schema: op.input } } } } : {}),
    responses: {
      '200': { description: op.changes ? 'Done, and live on the token service' : 'The result', content: { 'application/json': { schema: {} } } },
      ...Object.fromEntries(Object.keys(ERROR_RESPONSES).map((status) => [status, { $ref: `#/components/responses/Error${status}` }])),
    },
  };
}

/**
 * The admin API's OpenAPI 3.1 document, generated from the operations table: every operation
 * with its path parameters, query or JSON body schema, and the shared error shape; every one
 * requires mutual TLS with an administrator certificate.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openApiDocument(operations: readonly Operation[], version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    (paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'certbound admin API',
      version,
      description:
        'Partners, clients, resources, grants, certificates and audit log of a certbound token service. ' +
        'Every request authenticates with an administrator certificate (mutual TLS, pinned by x5t#S256); ' +
        'a change is live on the token service when its 200 answer arrives.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ mutualTLS: [] }],
    paths,
    components: {
      securitySchemes: {
        mutualTLS: { type: 'mutualTLS', description: 'A client certificate registered with `certbound admin add-cert`' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: {
            error: { type: 'string', description: 'An ERR_CERTBOUND_* code, an OAuth code, or unauthorized, forbidden, invalid_input, not_found, server_error' },
            error_description: { type: 'string' },
          },
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, description]) => [
          `Error${status}`,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}
