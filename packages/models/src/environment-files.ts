/**
 * The environment files MLflow writes beside every model and reads to rebuild its Python
 * environment (`mlflow models serve --env-manager virtualenv|conda`): requirements.txt,
 * python_env.yaml and conda.yaml, in MLflow 2.12.2's exact text.
 */
import { pyyamlDump } from './mlmodel-yaml.js';

/** The MLflow release whose model format Orrery writes. */
export const MLFLOW_FORMAT_VERSION = '2.12.2';
/** The Python version written into python_function flavors and environments (MLflow needs one). */
export const PYTHON_VERSION = '3.11.2';
/** pip, setuptools and wheel, as MLflow 2.12.2 pins them in python_env.yaml. */
const BUILD_DEPENDENCIES = ['pip==23.0.1', 'setuptools==66.1.1', 'wheel==0.38.4'];

export const REQUIREMENTS_FILE = 'requirements.txt';
export const PYTHON_ENV_FILE = 'python_env.yaml';
export const CONDA_FILE = 'conda.yaml';

/** The three files' names and texts, for a model needing `requirements` (mlflow first). */
export function environmentFiles(requirements: readonly string[]): Record<string, string> {
  const pins = [`mlflow==${MLFLOW_FORMAT_VERSION}`, ...requirements.filter((r) => !r.startsWith('mlflow=='))];
  const conda = {
    channels: ['conda-forge'],
    dependencies: [`python=${PYTHON_VERSION}`, 'pip<=23.0.1', { pip: pins }],
    name: 'mlflow-env',
  };
  const pythonEnv = [
    `python: ${PYTHON_VERSION}`,
    'build_dependencies:',
    ...BUILD_DEPENDENCIES.map((d) => `- ${d}`),
    'dependencies:',
    `- -r ${REQUIREMENTS_FILE}`,
    '',
  ].join('\n');
  return {
    [REQUIREMENTS_FILE]: pins.join('\n'),
    [CONDA_FILE]: pyyamlDump(conda),
    [PYTHON_ENV_FILE]: pythonEnv,
  };
}
