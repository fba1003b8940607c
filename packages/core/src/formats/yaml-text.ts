/**
 * YAML as MLflow's Python side writes and reads it (PyYAML, YAML 1.1), through the `yaml`
 * library: `toYamlText` for files Orrery writes (`logDict` to `.yaml`), `parseYamlText` for files
 * MLflow wrote (MLmodel, MLproject, conda.yaml).
 */
import { Document, isPair, isScalar, parse, visit, type ScalarTag, type Tags } from 'yaml';
import { OrreryError } from '../errors/orrery-error.js';

/** Keys written without quotes when YAML 1.1 would not read them as anything but a string. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** What JSON.stringify would keep: `toJSON` applied (a Date becomes its ISO string), functions and symbols dropped. */
function jsonReplacer(_key: unknown, value: unknown): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  return value;
}

/**
 * A number JavaScript prints in exponent form without a decimal point (`1e+21`, `1e-7`) is a
 * string to PyYAML, whose floats need one: these are written `1.0e+21`, `1.0e-7`.
 */
const EXPONENT_WITHOUT_POINT: ScalarTag = {
  identify: (value) => typeof value === 'number' && Number.isFinite(value) && /^-?\d+e[-+]\d+$/.test(String(value)),
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: /^[-+]?[0-9]+\.0e[-+][0-9]+$/,
  resolve: (text) => Number.parseFloat(text),
  stringify: ({ value }) => String(value).replace('e', '.0e'),
};

/**
 * The YAML 1.1 tags for writing: exponent numbers as PyYAML reads them, and no merge tag, so a
 * `<<` key is an ordinary key (quoted by `toYamlText`) rather than a merge PyYAML would apply.
 */
function pyyamlWriteTags(tags: Tags): Tags {
  return [EXPONENT_WITHOUT_POINT, ...tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:merge')];
}

/**
 * Serializes a JSON-compatible value as a YAML document, ending with a newline. Block style,
 * sequences indented under their key, every string double-quoted (JSON's escapes are valid YAML),
 * keys plain only when they are identifiers that YAML 1.1 reads as strings (`yes`, `on`, `null`
 * are quoted), so PyYAML and any YAML 1.2 reader read back exactly the value written. NaN and
 * the infinities are `.nan`, `.inf`, `-.inf`; `undefined` and functions are dropped as JSON
 * drops them (`null` in a sequence); shared objects are written out again, never as aliases.
 */
export function toYamlText(value: unknown): string {
  const document = new Document(value, jsonReplacer, { version: '1.1', aliasDuplicateObjects: false, customTags: pyyamlWriteTags });
  visit(document, {
    Pair(_key, pair) {
      if (isPair(pair) && isScalar(pair.key) && typeof pair.key.value === 'string' && !PLAIN_KEY.test(pair.key.value)) {
        pair.key.type = 'QUOTE_DOUBLE';
      }
    },
  });
  // lineWidth 0: long strings stay on one line instead of being folded.
  return document.toString({ lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}

/**
 * PyYAML's YAML 1.1 resolvers where the `yaml` library's 1.1 schema reads more: PyYAML takes
 * `y`/`n` as strings, a float only with a decimal point (`1e10` and a hex model UUID such as
 * `123e4567…` stay strings), and we keep dates and times as the text they are rather than Date
 * objects, so what is read is plain JSON data.
 */
function pyyamlTags(tags: Tags): Tags {
  return tags
    .filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp')
    .map((tag) => {
      if (typeof tag === 'string' || !('test' in tag) || tag.test === undefined) return tag;
      const scalar: ScalarTag = tag;
      if (scalar.tag === 'tag:yaml.org,2002:bool') {
        const isTrue = scalar.test!.test('true');
        return { ...scalar, test: isTrue ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ };
      }
      if (scalar.tag === 'tag:yaml.org,2002:float' && scalar.format === 'EXP') {
        return { ...scalar, test: /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*[eE][-+][0-9]+$/ };
      }
      return tag;
    });
}

/**
 * Reads a YAML document as PyYAML's `safe_load` would (YAML 1.1), into plain JSON data: mappings
 * become objects, sequences arrays; dates stay strings. `source` names the file in errors.
 * Throws INVALID_PARAMETER_VALUE with the line and column of the first syntax error, or when the
 * document uses an alias more than 100 times its anchors (a "billion laughs" bomb).
 */
export function parseYamlText(text: string, source = 'YAML document'): unknown {
  try {
    return parse(text, { version: '1.1', customTags: pyyamlTags, prettyErrors: true, maxAliasCount: 100, uniqueKeys: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new OrreryError('INVALID_PARAMETER_VALUE', `${source} is not valid YAML: ${reason}`);
  }
}
