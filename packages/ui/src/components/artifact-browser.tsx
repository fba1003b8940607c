import { useEffect, useMemo, useState } from 'react';
import { useAction, useApi } from '../api/api-context.js';
import type { ArtifactFileInfo } from '../api/orrery-api.js';
import { parseCsv, previewKind, PREVIEW_LIMIT_BYTES } from '../state/artifact-preview-kind.js';
import { ErrorNote } from './error-note.js';
import { formatBytes } from './format.js';

interface BrowserProps {
  /** Lists one directory ('' for the root). */
  list(path: string): Promise<ArtifactFileInfo[]>;
  /** The download URL of a file. */
  urlOf(path: string): string;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function Directory({ path, props, selected, onSelect }: { path: string; props: BrowserProps; selected: string | undefined; onSelect: (file: ArtifactFileInfo) => void }) {
  const [entries, setEntries] = useState<ArtifactFileInfo[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    props.list(path).then(
      (files) => setEntries([...files].sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path))),
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
  }, [path, props]);
  if (error !== undefined) return <ErrorNote error={error} />;
  if (entries === undefined) return <span className="muted">Loading…</span>;
  if (entries.length === 0 && path === '') return <span className="muted">No artifacts.</span>;
  return (
    <ul>
      {entries.map((entry) => (
        <li key={entry.path}>
          {entry.isDir ? (
            <>
              <button
                type="button"
                className="link"
                aria-expanded={open.has(entry.path)}
                onClick={() =>
                  setOpen((previous) => {
                    const next = new Set(previous);
                    if (next.has(entry.path)) next.delete(entry.path);
                    else next.add(entry.path);
                    return next;
                  })
                }
              >
                {open.has(entry.path) ? '▾' : '▸'} {baseName(entry.path)}/
              </button>
              {open.has(entry.path) && <Directory path={entry.path} props={props} selected={selected} onSelect={onSelect} />}
            </>
          ) : (
            <button type="button" className={`link${selected === entry.path ? ' active' : ''}`} onClick={() => onSelect(entry)}>
              {baseName(entry.path)}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

type Preview =
  | { kind: 'loading' }
  | { kind: 'text'; text: string }
  | { kind: 'csv'; rows: string[][] }
  | { kind: 'image'; url: string }
  | { kind: 'none'; reason: string }
  | { kind: 'error'; message: string };

function FilePreview({ file, props }: { file: ArtifactFileInfo; props: BrowserProps }) {
  const api = useApi();
  const [preview, setPreview] = useState<Preview>({ kind: 'loading' });
  useEffect(() => {
    const kind = previewKind(file.path);
    let objectUrl: string | undefined;
    let cancelled = false;
    if (kind === 'none') {
      setPreview({ kind: 'none', reason: 'No preview for this kind of file.' });
      return;
    }
    if (file.fileSize !== undefined && file.fileSize > PREVIEW_LIMIT_BYTES) {
      setPreview({ kind: 'none', reason: `The file is ${formatBytes(file.fileSize)}, too large to preview.` });
      return;
    }
    setPreview({ kind: 'loading' });
    api.fetchFile(props.urlOf(file.path)).then(
      async (blob) => {
        if (cancelled) return;
        if (kind === 'image') {
          // The download is an attachment of a generic type; the image element needs its own type.
          const typed = file.path.toLowerCase().endsWith('.svg') ? new Blob([blob], { type: 'image/svg+xml' }) : blob;
          objectUrl = URL.createObjectURL(typed);
          setPreview({ kind: 'image', url: objectUrl });
          return;
        }
        const text = await blob.text();
        if (cancelled) return;
        if (kind === 'csv') setPreview({ kind: 'csv', rows: parseCsv(text) });
        else if (kind === 'json') {
          let shown = text;
          try {
            shown = JSON.stringify(JSON.parse(text), null, 2);
          } catch {
            // Not valid JSON: shown as it is.
          }
          setPreview({ kind: 'text', text: shown });
        } else setPreview({ kind: 'text', text });
      },
      (failure: unknown) => !cancelled && setPreview({ kind: 'error', message: failure instanceof Error ? failure.message : String(failure) }),
    );
    return () => {
      cancelled = true;
      if (objectUrl !== undefined) URL.revokeObjectURL(objectUrl);
    };
  }, [api, file, props]);

  return (
    <div data-testid="artifact-preview">
      <div className="toolbar">
        <strong>{file.path}</strong>
        <span className="muted">{formatBytes(file.fileSize)}</span>
        <DownloadLink url={props.urlOf(file.path)} name={baseName(file.path)} />
      </div>
      {preview.kind === 'loading' && <span className="muted">Loading…</span>}
      {preview.kind === 'text' && <pre>{preview.text}</pre>}
      {preview.kind === 'image' && <img src={preview.url} alt={file.path} />}
      {preview.kind === 'none' && <p className="muted">{preview.reason}</p>}
      {preview.kind === 'error' && <ErrorNote error={preview.message} />}
      {preview.kind === 'csv' && (
        <table className="grid" data-testid="csv-preview">
          <thead>
            <tr>
              {(preview.rows[0] ?? []).map((cell, index) => (
                <th key={index}>{cell}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.slice(1).map((row, rowIndex) => (
              <tr key={rowIndex}>
                {row.map((cell, index) => (
                  <td key={index}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** A download link; when signed in, the file is fetched with the credentials (a plain link could not send them). */
export function DownloadLink({ url, name }: { url: string; name: string }) {
  const api = useApi();
  const act = useAction();
  const signedIn = api.signedIn;
  return (
    <a
      href={url}
      download={name}
      onClick={(event) => {
        if (!signedIn) return;
        event.preventDefault();
        void act(async () => {
          const blob = await api.fetchFile(url);
          const objectUrl = URL.createObjectURL(blob);
          const anchor = document.createElement('a');
          anchor.href = objectUrl;
          anchor.download = name;
          anchor.click();
          setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
        });
      }}
    >
      Download
    </a>
  );
}

/** The artifact browser: a lazily loaded tree on the left, a preview of the chosen file on the right. */
export function ArtifactBrowser({ list, urlOf }: BrowserProps) {
  const [file, setFile] = useState<ArtifactFileInfo | undefined>();
  // One object for the whole tree, so directories reload only when the source changes.
  const props = useMemo(() => ({ list, urlOf }), [list, urlOf]);
  return (
    <div className="artifacts" data-testid="artifact-browser">
      <div className="artifact-tree">
        <Directory path="" props={props} selected={file?.path} onSelect={setFile} />
      </div>
      <div className="artifact-preview">{file === undefined ? <span className="muted">Select a file to preview it.</span> : <FilePreview key={file.path} file={file} props={props} />}</div>
    </div>
  );
}
