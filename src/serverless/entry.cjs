// The Serverless Framework requires a plugin module whose export is the plugin class.
module.exports = require('./plugin.ts').default;
