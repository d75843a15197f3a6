// Test-only preload (node --require) for `serverless package` with no AWS account: a service
// with `layers:` makes package ask CloudFormation once whether the stack exists
// (describeStacks). We answer "does not exist", which the framework treats as a first deploy;
// any other AWS call fails loudly.
const AwsProvider = require('serverless/lib/plugins/aws/provider.js');

AwsProvider.prototype.request = async function stubbedRequest(service, method, params) {
  if (service === 'CloudFormation' && method === 'describeStacks') {
    const error = new Error(`Stack with id ${params && params.StackName} does not exist`);
    error.code = 'ValidationError';
    throw error;
  }
  throw new Error(`[stub-aws] unexpected AWS call ${service}.${method}`);
};
