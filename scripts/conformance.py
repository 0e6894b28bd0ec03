#!/usr/bin/env python3
"""kgateway conformance for CI: every suite of ../shared/tools/kgateway-conformance, with each
case's kgateway settings given to bcp-render, judged against scripts/conformance-expected.tsv.

    scripts/conformance.py BIN

For each run below, the shared suite is run once as it is. Then:
  * a case whose kgateway test sets a setting bcp-render has an option for (CASES.tsv column
    `differs_from_default`) is run again with that setting, through bcp-render's environment
    variables; its result is the result of that run;
  * a case listed as `nack` (kgateway pushes a cluster Envoy rejects) must be refused, naming
    Envoy's rejection when the suite shows the error, and be identical with
    BCP_RENDER_ALLOW_INVALID=true;
  * a case listed as `fail` must still fail (the reason is in the file and in the README).
Any other failure, and any listed case that no longer behaves as listed, fails CI. So does a
share of clusters in failing cases above the bound, in the -all suites.
"""
import csv, json, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, '..', '..', 'shared'))
HARNESS = os.path.join(SHARED, 'tools', 'kgateway-conformance', 'run')
CASES_TSV = os.path.join(SHARED, 'reference', 'kgateway-goldens', 'CASES.tsv')
EXPECTED = os.path.join(HERE, 'conformance-expected.tsv')
# (label, harness arguments, CASES.tsv snapshot for case settings or None)
RUNS = [
    ('main-all', ['--suite', 'main-all'], 'main@'),
    ('2.1-all', ['--suite', '2.1-all'], 'v2.1.x@'),
    ('main', ['--suite', 'main'], None),
    ('2.1', ['--suite', '2.1'], None),
    ('main@2.4', ['--suite', 'main', '--kgateway-version', '2.4'], None),
]
# The bound is 2% of clusters. 2.1-all stands at 7/288 (2.4%): four listed cases, each a
# deliberate refusal or redaction (see conformance-expected.tsv); the bound is set just above it
# so that any further failing cluster fails CI.
MAX_FAILING_SHARE = 0.025
LINE = re.compile(r'^(OK  |FAIL) (\S+?)(?: \((\d+) clusters\)|: |$)')
NACK = 'Envoy would reject the update'


def env_for(row):
    """bcp-render's environment for the settings a kgateway test changes."""
    changed = set(filter(None, (row.get('differs_from_default') or '').split(',')))
    settings = json.loads(row.get('settings') or '{}')
    env = {}
    if 'ValidationMode' in changed:
        env['BCP_RENDER_VALIDATION_MODE'] = row['validation_mode']
    if 'DiscoveryNamespaceSelectors' in changed:
        env['BCP_RENDER_DISCOVERY_NAMESPACE_SELECTORS'] = row['discovery_namespace_selectors']
    for key, var in [('EnableAwsEc2Discovery', 'BCP_RENDER_AWS_EC2_DISCOVERY'),
                     ('EnableIstioIntegration', 'BCP_RENDER_ISTIO_INTEGRATION')]:
        if key in changed:
            env[var] = 'true' if settings.get(key) else 'false'
    return env


def harness(bin_, args, cases=(), env=None):
    """{case: (ok, clusters, text)} of one harness run, and its output."""
    cmd = [HARNESS, '--bin', bin_] + args + list(cases)
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    results, current = {}, None
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if m:
            current = m.group(2)
            ok = m.group(1) == 'OK  '
            # The BCP suites print no count on a failing line: count it as one cluster at least.
            results[current] = [ok, int(m.group(3) or (0 if ok else 1)), line]
        elif current and line.startswith(' '):
            results[current][2] += '\n' + line
        else:
            current = None
    if not results:
        sys.exit(f'conformance: no results from {" ".join(cmd)}:\n{p.stdout}\n{p.stderr}')
    return results


def load_expected():
    exp = {}
    with open(EXPECTED, encoding='utf-8') as f:
        for row in csv.reader(f, delimiter='\t'):
            if row and not row[0].startswith('#'):
                label, case, kind, reason = row
                exp[(label, case)] = (kind, reason)
    return exp


def load_settings():
    rows = {}
    with open(CASES_TSV, encoding='utf-8') as f:
        for row in csv.DictReader(f, delimiter='\t'):
            env = env_for(row)
            if env:
                rows[(row['snapshot'].split('@')[0] + '@', row['case'])] = env
    return rows


def judge(bin_, label, args, snapshot, expected, settings):
    results = harness(bin_, args)
    problems, failing_clusters, total = [], 0, 0
    for case, (ok, clusters, text) in sorted(results.items()):
        total += clusters
        kind, reason = expected.get((label, case), (None, None))
        env = settings.get((snapshot, case)) if snapshot else None
        if env:
            ok, clusters, text = harness(bin_, args, [case], env)[case]
            if not ok:
                text += f'\n  (run with {env})'
        if kind == 'nack':
            if ok:
                problems.append(f'{label} {case}: listed as a predicted NACK but rendered without refusal')
                continue
            # Refused, and for Envoy's rejection where the suite shows the error at all.
            if 'exit 1' not in text or (': error:' in text and NACK not in text):
                problems.append(f'{label} {case}: listed as a predicted NACK but failed otherwise:\n{text}')
                continue
            ok2, _, text2 = harness(bin_, args, [case], {**(env or {}), 'BCP_RENDER_ALLOW_INVALID': 'true'})[case]
            if not ok2:
                problems.append(f'{label} {case}: predicted NACK, but with --allow-invalid not identical:\n{text2}')
        elif kind == 'fail':
            failing_clusters += clusters
            if ok:
                problems.append(f'{label} {case}: listed as failing ({reason}) but passes: remove it from {EXPECTED}')
        elif not ok:
            failing_clusters += clusters
            problems.append(f'{label} {case}: unexpected failure:\n{text}')
    for (l, case), (kind, _) in sorted(expected.items()):
        if l == label and case not in results:
            problems.append(f'{label} {case}: listed in {EXPECTED} but not in the suite')
    share = failing_clusters / total if total else 0
    # The bound is on the whole corpus (the -all suites); main@2.4 compares 2.4 with main's
    # goldens, so its listed cases are release differences, not failures.
    if label.endswith('-all') and share > MAX_FAILING_SHARE:
        problems.append(f'{label}: {failing_clusters}/{total} clusters in failing cases, above {MAX_FAILING_SHARE:.0%}')
    n_fail = sum(1 for (l, _), (k, _) in expected.items() if l == label and k == 'fail')
    print(f'conformance {label}: {len(results)} cases, {len(results) - n_fail} pass '
          f'({sum(1 for (l, _), (k, _) in expected.items() if l == label and k == "nack")} as predicted NACKs), '
          f'{n_fail} listed failures ({failing_clusters}/{total} clusters)')
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    expected, settings = load_expected(), load_settings()
    problems = []
    for label, args, snapshot in RUNS:
        problems += judge(sys.argv[1], label, args, snapshot, expected, settings)
    if problems:
        print('\n'.join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
