/** Write keys: create one (its secret shown once), list them by prefix, revoke. */
import type { WriteKeyRecord } from '../../lambdas/store/write-keys.ts';
import { h } from '../dom.ts';
import { dateTime } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { navigate } from '../view.ts';
import { dataTable } from '../widgets.ts';

export const writeKeysPage: PageDef = {
  id: 'write-keys',
  title: 'Write keys',
  group: 'Settings',
  ranged: false,
  render: async ({ api, view, signal, exportAs }) => {
    const params = new URLSearchParams();
    if (view.project) params.set('project', view.project);
    const { keys } = await api.get<{ keys: WriteKeyRecord[] }>('write-keys', params, signal);
    exportAs('write-keys', params);
    const created = h('div', { id: 'new-key', role: 'status' });
    const nameInput = h('input', { id: 'key-name', name: 'name', maxlength: 100, required: true });
    const browserBox = h('input', { id: 'key-browser', name: 'browser', type: 'checkbox' });
    const originsInput = h('input', {
      id: 'key-origins',
      name: 'origins',
      placeholder: 'https://www.example.com',
    });
    const problem = h('p', { class: 'error', role: 'alert' });
    const form = h(
      'form',
      {
        class: 'filters',
        id: 'create-key',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          problem.textContent = '';
          try {
            const key = await api.send<WriteKeyRecord & { writeKey: string }>(
              'POST',
              'write-keys',
              params,
              {
                name: nameInput.value.trim(),
                ...(browserBox.checked ? { kind: 'browser' } : {}),
                origins: originsInput.value.split(/[\s,]+/).filter(Boolean),
              },
            );
            const secret = h('code', { id: 'new-key-secret' }, key.writeKey);
            created.replaceChildren(
              h(
                'div',
                { class: 'panel secret' },
                h('h2', {}, `New key “${key.name}”`),
                h('p', {}, 'Copy it now: Tally keeps only its hash and will not show it again.'),
                h('p', {}, secret),
                h(
                  'button',
                  {
                    type: 'button',
                    onclick: () => void navigator.clipboard?.writeText(key.writeKey),
                  },
                  'Copy',
                ),
                ' ',
                h(
                  'button',
                  { type: 'button', onclick: () => navigate({}, { replace: true }) },
                  'Done',
                ),
              ),
            );
            nameInput.value = '';
            originsInput.value = '';
          } catch (error) {
            problem.textContent = `Could not create the key: ${(error as Error).message}`;
          }
        },
      },
      h('label', { for: 'key-name' }, 'Name', nameInput),
      h('label', { for: 'key-origins' }, 'Allowed origins (optional)', originsInput),
      h(
        'label',
        { for: 'key-browser', class: 'check' },
        browserBox,
        ' Browser key (page and track only)',
      ),
      h('button', { type: 'submit' }, 'Create key'),
    );
    const revoke = (k: WriteKeyRecord) =>
      k.revokedAt
        ? h('span', { class: 'muted' }, `revoked ${dateTime(k.revokedAt)}`)
        : h(
            'button',
            {
              type: 'button',
              'data-revoke': k.keyId,
              'aria-label': `Revoke ${k.name} (${k.prefix}…)`,
              onclick: async () => {
                if (
                  !confirm(
                    `Revoke ${k.name} (${k.prefix}…)? Its senders are refused within a minute.`,
                  )
                )
                  return;
                try {
                  await api.send('DELETE', `write-keys/${k.keyId}`, params);
                  navigate({}, { replace: true });
                } catch (error) {
                  problem.textContent = `Could not revoke the key: ${(error as Error).message}`;
                }
              },
            },
            'Revoke',
          );
    return h(
      'div',
      {},
      section('Create a key', form, problem, created),
      section(
        'Keys of this project',
        dataTable(
          'Write keys',
          [
            { label: 'Name', cell: (k) => k.name },
            { label: 'Key', cell: (k) => h('code', {}, `${k.prefix}…`) },
            {
              label: 'Limits',
              cell: (k) => [k.kind, ...(k.origins ?? [])].filter(Boolean).join(' · ') || 'none',
            },
            { label: 'Created', cell: (k) => dateTime(k.createdAt) },
            { label: 'State', cell: revoke },
          ],
          keys,
          'No write key yet',
        ),
      ),
    );
  },
};
