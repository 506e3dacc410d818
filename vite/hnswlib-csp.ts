import type { Plugin } from 'vite';

/**
 * hnswlib-wasm 0.8.2 was compiled with Emscripten's embind defaults, which build two kinds of glue function from
 * strings at run time (`new Function`): the JS→C++ invokers (`craftInvokerFunction`) and the C++→JS method callers
 * (`__emval_get_method_caller`). Under a Content-Security-Policy without 'unsafe-eval' the library then fails to
 * start. Emscripten emits closures instead when built with -sDYNAMIC_EXECUTION=0; this rewrites the two places to
 * those closures (same arguments, same wire conversions, same destructor calls) when Vite bundles the library for
 * the page. Node (the indexer, the CLI, the tests) runs the package unchanged: it has no CSP. The build fails if
 * the library changes shape, rather than shipping a page the CSP breaks; e2e/security.spec.ts checks the result.
 */
const PATCHES: readonly { readonly find: string; readonly replace: string }[] = [
  {
    // Its WASM is inlined as a data: URL, which this Emscripten version first tries to fetch (refused by
    // connect-src 'self', then decoded anyway): decode it directly, as later Emscripten versions do.
    find: 'if (!wasmBinary && (ENVIRONMENT_IS_WEB )) {',
    replace: 'if (!wasmBinary && (ENVIRONMENT_IS_WEB ) && !isDataURI(binaryFile)) {',
  },
  {
    find: 'return newFunc(Function, args1).apply(null, args2);',
    replace: `var expectedArgCount = argCount - 2;
      return createNamedFunction(humanName, function () {
        if (arguments.length !== expectedArgCount) {
          throwBindingError('function ' + humanName + ' called with ' + arguments.length + ' arguments, expected ' + expectedArgCount + ' args!');
        }
        var destructors = needsDestructorStack ? [] : null;
        var thisWired;
        var callArgs = [cppTargetFunc];
        if (isClassMethodFunc) {
          thisWired = argTypes[1].toWireType(destructors, this);
          callArgs.push(thisWired);
        }
        var argsWired = [];
        for (var i = 0; i < expectedArgCount; ++i) {
          argsWired.push(argTypes[i + 2].toWireType(destructors, arguments[i]));
        }
        var rv = cppInvokerFunc.apply(null, callArgs.concat(argsWired));
        if (needsDestructorStack) {
          runDestructors(destructors);
        } else {
          for (var j = isClassMethodFunc ? 1 : 2; j < argTypes.length; ++j) {
            if (argTypes[j].destructorFunction !== null) argTypes[j].destructorFunction(j === 1 ? thisWired : argsWired[j - 2]);
          }
        }
        if (returns) return argTypes[0].fromWireType(rv);
      });`,
  },
  {
    find: 'var invokerFunction = newFunc(Function, params).apply(null, args);',
    replace: `var invokerFunction = function (handle, name, destructors, args) {
        var values = [];
        var offset = 0;
        for (var i = 0; i < argCount - 1; ++i) {
          values.push(types[i + 1].readValueFromPointer(args + offset));
          offset += types[i + 1]['argPackAdvance'];
        }
        var rv = handle[name].apply(handle, values);
        for (var k = 0; k < argCount - 1; ++k) {
          if (types[k + 1]['deleteObject']) types[k + 1].deleteObject(values[k]);
        }
        if (!retType.isVoid) return retType.toWireType(destructors, rv);
      };`,
  },
];

/** The library's Emscripten module with the patches applied; throws if it no longer has the expected shape. */
export function patchHnswlib(code: string, id = 'hnswlib-wasm'): string {
  let out = code;
  for (const { find, replace } of PATCHES) {
    if (out.split(find).length !== 2) throw new Error(`hnswlib-wasm changed: "${find}" no longer appears exactly once in ${id} — update vite/hnswlib-csp.ts`);
    out = out.replace(find, () => replace);
  }
  if (/\bnew Function\b|newFunc\(Function/.test(out.replace(/\/\/.*$/gm, ''))) throw new Error(`hnswlib-wasm still builds functions from strings in ${id}`);
  return out;
}

/** The module's file in the package (the entry point imports it by this name). */
export const HNSWLIB_MODULE = /hnswlib-wasm[\\/]dist[\\/]hnswlib-[0-9a-f]+\.js$/;

export function hnswlibWithoutEval(): Plugin {
  return {
    name: 'vitrine-hnswlib-without-eval',
    enforce: 'pre',
    transform(code, id) {
      if (!HNSWLIB_MODULE.test(id.split('?')[0]!)) return null;
      try {
        return { code: patchHnswlib(code, id), map: null };
      } catch (error) {
        this.error(error instanceof Error ? error.message : String(error));
      }
    },
  };
}
