import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { ATTR_AWS_STEP_FUNCTIONS_STATE_MACHINE_ARN, ATTR_CLOUD_REGION } from '@opentelemetry/semantic-conventions/incubating';
import { arnName } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import { envelopeIn } from './envelope.js';
import { messageId, sendSpan } from './messaging.js';
import type { CommandSpec, SdkService } from './sdk.js';

/**
 * AWS Step Functions `StartExecution` and `StartSyncExecution`: the `_baton` envelope in
 * `input` when it is a JSON object, within 262,144 bytes of input (Step Functions quotas). A
 * Lambda task receives the state's input, so the envelope reaches it when the state machine
 * passes its input on; read back in src/triggers/stepfunctions.ts.
 */

export const INPUT_MAX_BYTES = 262_144;

function startSpan(input: Json): ReturnType<typeof sendSpan> {
  const arn = input['stateMachineArn'];
  return sendSpan('aws.step_functions', 'start', arnName(arn), 1, typeof arn === 'string' ? { [ATTR_AWS_STEP_FUNCTIONS_STATE_MACHINE_ARN]: arn } : {});
}

function injectInput(input: Json, fields: Record<string, string>): Json {
  const written = envelopeIn('stepfunctions', 'a Step Functions execution\'s input', input['input'], fields, INPUT_MAX_BYTES);
  return written === undefined ? input : { ...input, input: written.payload };
}

const startExecution: CommandSpec = {
  span: startSpan,
  inject: (input, send) => injectInput(input, send.fields()),
  end: (span, output) => messageId(span, output['executionArn']),
};

const startSyncExecution: CommandSpec = {
  span: startSpan,
  inject: (input, send) => injectInput(input, send.fields()),
  end: (span, output) => {
    messageId(span, output['executionArn']);
    // An express execution that ran and failed is answered with 200 and its status.
    const status = output['status'];
    if (typeof status === 'string' && status !== 'SUCCEEDED') {
      span.setAttribute(ATTR_ERROR_TYPE, typeof output['error'] === 'string' ? output['error'] : status);
      span.setStatus({ code: SpanStatusCode.ERROR, message: `execution ${status}` });
    }
  },
};

export const stepfunctions: SdkService = {
  serviceId: 'SFN',
  clientName: 'SFNClient',
  label: 'Step Functions',
  kind: SpanKind.PRODUCER,
  regionAttribute: ATTR_CLOUD_REGION,
  commands: { StartExecution: startExecution, StartSyncExecution: startSyncExecution },
};
