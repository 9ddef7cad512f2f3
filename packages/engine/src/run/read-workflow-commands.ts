/**
 * A GitHub Actions workflow command printed by a step (`::name key=value,…::message`), as
 * actions/toolkit's `issueCommand` writes it: the message escapes `%`, CR and LF; property values also `:` and `,`.
 */
export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  message: string;
}

const commandLine = /^::([A-Za-z][\w-]*)(?: ([^:]*))?::(.*)$/s;

/** The command a log line is, or undefined for an ordinary line. Leading whitespace is allowed, as the runner does. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const match = commandLine.exec(line.replace(/\r$/, '').trimStart());
  if (!match) return undefined;
  const [, name = '', props, message = ''] = match;
  const properties: Record<string, string> = {};
  for (const pair of (props ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    properties[pair.slice(0, at).trim()] = unescape(pair.slice(at + 1), true);
  }
  return { name: name.toLowerCase(), properties, message: unescape(message, false) };
}

function unescape(text: string, property: boolean): string {
  let out = text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
  if (property) out = out.replace(/%3A/gi, ':').replace(/%2C/gi, ',');
  return out.replace(/%25/g, '%');
}

/** What a step's workflow commands do in Ferry: one effect per command line. */
export type CommandEffect =
  | { kind: 'mask'; value: string }
  | { kind: 'output'; name: string; value: string }
  | { kind: 'line'; line: string }
  | { kind: 'keep' }
  | { kind: 'stop'; token: string }
  | { kind: 'none' };

/**
 * The effect of one workflow command: `add-mask` masks a value in every later event, `set-output` sets a step
 * output (as $GITHUB_OUTPUT does), `error`/`warning`/`notice` become a readable line naming file:line,
 * `group`/`endgroup` a header line and nothing; `debug` and the rest are hidden as the runner hides them (outside
 * debug mode); `stop-commands` (the token as message) makes every line a plain one until a line `::<token>::`;
 * an unknown command is kept as the line it is. `save-state` is written to the state file by the action's launcher before it reaches here.
 */
export function commandEffect(command: WorkflowCommand): CommandEffect {
  const { name, properties, message } = command;
  switch (name) {
    case 'add-mask':
      return message.trim() === '' ? { kind: 'none' } : { kind: 'mask', value: message };
    case 'set-output':
      return properties.name ? { kind: 'output', name: properties.name, value: message } : { kind: 'none' };
    case 'error':
    case 'warning':
    case 'notice': {
      const where = properties.file
        ? `${properties.file}${properties.line ? `:${properties.line}` : ''}${properties.line && properties.col ? `:${properties.col}` : ''}: `
        : '';
      const title = properties.title ? `${properties.title}: ` : '';
      return { kind: 'line', line: `${name}: ${where}${title}${message}` };
    }
    case 'group':
      return { kind: 'line', line: `▸ ${message}` };
    case 'stop-commands':
      return message === '' ? { kind: 'none' } : { kind: 'stop', token: message };
    case 'echo':
    case 'add-matcher':
    case 'remove-matcher':
    case 'save-state':
    case 'debug':
    case 'endgroup':
      return { kind: 'none' };
    default:
      return { kind: 'keep' };
  }
}

/**
 * Reads the output lines of one step that has workflow commands: `sink.line` gets what is shown, `sink.mask` the
 * values to mask; `outputs` collects `set-output`s. After `::stop-commands::<token>` lines are shown as they are
 * until `::<token>::`, as the runner does for output that must not be taken for commands.
 */
export function readWorkflowCommands(sink: {
  line(stream: 'stdout' | 'stderr', line: string): void;
  mask(value: string): void;
}): { onLine: (stream: 'stdout' | 'stderr', line: string) => void; outputs: Record<string, string> } {
  const outputs: Record<string, string> = {};
  let stopToken: string | undefined;
  const onLine = (stream: 'stdout' | 'stderr', line: string): void => {
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined;
      else sink.line(stream, line);
      return;
    }
    const command = parseWorkflowCommand(line);
    const effect = command ? commandEffect(command) : { kind: 'keep' as const };
    if (effect.kind === 'stop') stopToken = effect.token;
    else if (effect.kind === 'mask') sink.mask(effect.value);
    else if (effect.kind === 'output') outputs[effect.name] = effect.value;
    else if (effect.kind === 'line') sink.line(stream, effect.line);
    else if (effect.kind === 'keep') sink.line(stream, line);
  };
  return { onLine, outputs };
}
