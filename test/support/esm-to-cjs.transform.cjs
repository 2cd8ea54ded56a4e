// Jest-only: a few CommonJS packages (fastify's light-my-request, @fastify/send) require()
// dependencies that ship ES modules only (cookie, content-disposition). Node >= 20.19 loads those
// natively, Jest's module runtime does not; this transform compiles exactly those files to
// CommonJS when they are require()d, and leaves them alone when they are imported.
const { createHash } = require('node:crypto');
const ts = require('typescript');

module.exports = {
  process(source, filename, options) {
    if (options.supportsStaticESM) return { code: source };
    const output = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, allowJs: true, esModuleInterop: true },
    });
    return { code: output.outputText };
  },
  getCacheKey(source, filename, options) {
    return createHash('sha256').update(source).update(filename).update(String(options.supportsStaticESM)).digest('hex');
  },
};
