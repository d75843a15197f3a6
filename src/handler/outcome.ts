import { SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';

/** Error status plus an `exception` event (semantic conventions, recording errors). */
export function recordError(span: Span, error: unknown): void {
  try {
    if (error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else {
      const message = typeof error === 'string' ? error : 'handler failed';
      span.recordException({ name: 'Error', message });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
  } catch {
    // Recording must not turn the user's error into ours.
  }
}
