import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_FAAS_DOCUMENT_COLLECTION,
  ATTR_FAAS_DOCUMENT_NAME,
  ATTR_FAAS_DOCUMENT_OPERATION,
  ATTR_FAAS_DOCUMENT_TIME,
} from '@opentelemetry/semantic-conventions/incubating';

/** `faas.document.*` (FaaS semantic conventions, datasource triggers). */
export function documentAttributes(document: {
  collection?: string | undefined;
  name?: string | undefined;
  operation?: 'insert' | 'edit' | 'delete' | undefined;
  time?: string | undefined;
}): Attributes {
  const attributes: Attributes = {};
  if (document.collection !== undefined) attributes[ATTR_FAAS_DOCUMENT_COLLECTION] = document.collection;
  if (document.name !== undefined) attributes[ATTR_FAAS_DOCUMENT_NAME] = document.name;
  if (document.operation !== undefined) attributes[ATTR_FAAS_DOCUMENT_OPERATION] = document.operation;
  if (document.time !== undefined) attributes[ATTR_FAAS_DOCUMENT_TIME] = document.time;
  return attributes;
}
