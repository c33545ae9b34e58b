import { readFileSync } from 'node:fs';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it) or any node of an OpenAPI document. */
// biome-ignore lint/suspicious/noExplicitAny: documents are walked as plain JSON
export type Json = any;

export type Security = 'consumer' | 'admin' | 'public';

export interface ParameterModel {
  name: string;
  in: 'query' | 'header' | 'path';
  required: boolean;
  schema: Json;
  description: string;
}

export interface ResponseModel {
  /** Media type → schema (`undefined` for a response without content). */
  content: Record<string, Json>;
  headers: Record<string, Json>;
}

/** One operation of an OpenAPI document, with `$ref`s of parameters resolved. */
export interface OperationModel {
  document: DocumentModel;
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. `/admin/api/contracts/{id}/status`. */
  path: string;
  security: Security;
  parameters: ParameterModel[];
  /** Media type → schema of the request body. */
  requestBody: Record<string, Json> | undefined;
  responses: Record<string, ResponseModel>;
  /** Methods the path has in the document (a request with another method is a 405). */
  pathMethods: string[];
}

export interface DocumentModel {
  name: string;
  /** Path of the document file. */
  file: string;
  document: Json;
  operations: OperationModel[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Follows `$ref`s (`#/…` pointers into the same document) until a schema that is not one. */
export function deref(document: Json, node: Json): Json {
  let current = node;
  for (let hops = 0; current && typeof current === 'object' && typeof current.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${node.$ref}`);
    current = pointer(document, current.$ref);
  }
  return current;
}

export function pointer(document: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node?.[key];
    if (node === undefined) throw new Error(`unresolvable $ref ${ref}`);
  }
  return node;
}

/** The component name a `$ref` points at (`#/components/schemas/Client` → `Client`). */
export const refName = (node: Json): string | undefined =>
  typeof node?.$ref === 'string' ? node.$ref.split('/').at(-1) : undefined;

function securityOf(document: Json, operation: Json): Security {
  const requirements: Json[] = operation.security ?? document.security ?? [];
  if (requirements.length === 0) return 'public';
  const scheme = Object.keys(requirements[0] ?? {})[0];
  if (!scheme) return 'public';
  const definition = document.components?.securitySchemes?.[scheme];
  // The back office's scheme is the one without a bearer format (a plain shared token).
  return definition?.bearerFormat === 'JWT' ? 'consumer' : 'admin';
}

/** Reads an OpenAPI document and lists its operations (every path × method). */
export function loadDocument(name: string, file: string): DocumentModel {
  const document = JSON.parse(readFileSync(file, 'utf8'));
  const model: DocumentModel = { name, file, document, operations: [] };
  for (const [path, item] of Object.entries<Json>(document.paths ?? {})) {
    const pathMethods = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p: Json) => {
        const param = deref(document, p);
        return {
          name: param.name,
          in: param.in,
          required: param.required === true,
          schema: param.schema ?? {},
          description: param.description ?? '',
        } satisfies ParameterModel;
      });
      const body = operation.requestBody ? deref(document, operation.requestBody) : undefined;
      const responses: Record<string, ResponseModel> = {};
      for (const [status, r] of Object.entries<Json>(operation.responses ?? {})) {
        const response = deref(document, r);
        responses[status] = {
          content: Object.fromEntries(
            Object.entries<Json>(response.content ?? {}).map(([type, media]) => [type, media.schema]),
          ),
          headers: Object.fromEntries(
            Object.entries<Json>(response.headers ?? {}).map(([h, def]) => [h, deref(document, def).schema]),
          ),
        };
      }
      model.operations.push({
        document: model,
        operationId: operation.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        security: securityOf(document, operation),
        parameters,
        requestBody: body?.content
          ? Object.fromEntries(Object.entries<Json>(body.content).map(([type, media]) => [type, media.schema]))
          : undefined,
        responses,
        pathMethods,
      });
    }
  }
  return model;
}

export { ADMIN_DOCUMENT, CONSUMER_DOCUMENT } from '../helpers/openapi-documents.js';
