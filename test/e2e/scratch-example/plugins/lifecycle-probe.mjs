// ESM plugin (osls 3 loads it with require(esm) on Node >= 20.19, falling back to import()).
// With BATON_PROBE_HOOKS=1 it prints every lifecycle hook name as it fires.
export default class LifecycleProbe {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = process.env.BATON_PROBE_HOOKS ? { initialize: () => this.registerAll() } : {};
  }

  registerAll() {
    const pm = this.serverless.pluginManager;
    const names = new Set();
    const walk = (cmds, prefix) => {
      for (const [name, cmd] of Object.entries(cmds || {})) {
        const full = prefix ? `${prefix}:${name}` : name;
        for (const ev of cmd.lifecycleEvents || []) names.add(`${full}:${ev}`);
        walk(cmd.commands, full);
      }
    };
    walk(pm.commands, '');
    for (const n of names) {
      for (const h of [`before:${n}`, n, `after:${n}`]) {
        (pm.hooks[h] ||= []).push({ pluginName: 'LifecycleProbe', hook: async () => console.error(`[hook] ${h}`) });
      }
    }
  }
}
