/**
 * ts-jest, plus two rewrites for ES modules compiled to CommonJS (NestJS 12 ships only ES modules):
 * `import.meta` becomes an object with what it means for the file (url, filename, dirname,
 * resolve), and a module-level
 * `const require = createRequire(import.meta.url)` is renamed, since CommonJS already provides a
 * `require` that resolves from the same file.
 */
const { TsJestTransformer } = require('ts-jest');

const IMPORT_META = /\bimport\.meta\b/g;
const IMPORT_META_OBJECT =
  "({ url: require('node:url').pathToFileURL(__filename).href, filename: __filename, " +
  "dirname: __dirname, resolve: (s) => require('node:url').pathToFileURL(require.resolve(s)).href })";
const REQUIRE_DECLARATION = /^(\s*)(const|let) require\s*=/gm;
const rewrite = (source) =>
  source.includes('import.meta')
    ? source
        .replace(IMPORT_META, IMPORT_META_OBJECT)
        .replace(REQUIRE_DECLARATION, '$1$2 __esmRequire =')
    : source;

class Transformer extends TsJestTransformer {
  process(source, path, options) {
    return super.process(rewrite(source), path, options);
  }

  processAsync(source, path, options) {
    return super.processAsync(rewrite(source), path, options);
  }

  getCacheKey(source, path, options) {
    return super.getCacheKey(rewrite(source), path, options);
  }

  getCacheKeyAsync(source, path, options) {
    return super.getCacheKeyAsync(rewrite(source), path, options);
  }
}

module.exports = { createTransformer: (config) => new Transformer(config) };
