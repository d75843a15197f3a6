'use strict';
// Test-only plugin: answers the single AWS call `serverless package` makes when the
// service has a `layers:` entry (CloudFormation.describeStacks, used to detect an
// unchanged layer). Any message containing "does not exist" is treated by osls as
// "no previous stack" and swallowed. Every other AWS call fails loudly.
class StubAws {
  constructor(serverless, options, { log }) {
    const provider = serverless.getProvider('aws');
    const original = provider.request.bind(provider);
    provider.request = async (service, method, params, opts) => {
      if (service === 'CloudFormation' && method === 'describeStacks') {
        log.info(`[stub-aws] ${service}.${method}(${JSON.stringify(params)}) -> does not exist`);
        const err = new Error(`Stack with id ${params && params.StackName} does not exist`);
        err.code = 'ValidationError';
        throw err;
      }
      throw new Error(`[stub-aws] unexpected AWS call ${service}.${method}`);
    };
    this.original = original;
  }
}
module.exports = StubAws;
