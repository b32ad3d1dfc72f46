#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""porting_test.py - docs/porting.md is executable.

usage: porting_test.py --src REPO --work DIR [--doc FILE] [--only NAME,...]
                       [--break-assert]

Every fenced code block of the page must follow a marker line
    <!-- doctest: KEY=VALUE ... -->
that says what it is:
    file=NAME [arch=riscv64]  appended to file NAME of a small kernel
                              (xv6.h, sv39_env.h, hw.c, vm.c, Makefile,
                              meson.build); arch=riscv64 marks a file
                              with RISC-V assembly, built for riscv64 only
    excerpt=PATH              must appear in PATH of the repository, as is
                              (whitespace aside): a copy of a declaration
    wrap=NAME                 a wrap file, used as subprojects/NAME.wrap
    run=NAME                  shell commands, run as written (with
                              /opt/riscv and build-sv39 moved into DIR)
    xv6file=PATH [glue=1]     appended to file PATH of the stock-xv6 port
                              (kernel/vm.c, kernel/sv39_env.h); glue=1
                              counts the block as glue (at most 80 lines,
                              and the page must state the count)
    xv6make=vars|rules        the lines added to xv6's Makefile
A block without a marker fails the test. Then the kernel is built every
way the page describes, with tests/docs/main.c for the rest of a kernel:
    make-*       the Makefile, gcc and clang, native (library + vm.c,
                 compiled) and riscv64 (rv64gc/lp64d and rv64imac/lp64,
                 linked at 0x80200000), -Wall -Wextra -Werror, each at
                 -O2 (the page's) and -O0 -O1 -Og -Os -O3 (OPT=);
    medlow-must-fail  the same with -mcmodel=medlow must NOT link at
                 0x80200000, or the link checks above would prove nothing;
    meson-*      meson.build with the repository as subprojects/libsv39
                 and as subprojects/sv39 (a wrap of the repository under
                 either name), and with only libsv39/ there;
    pkgconfig    the install and pkg-config commands, then the one-file
                 (amalgamation) commands;
    xv6-*        the stock-xv6 port: tests/docs/xv6 (an xv6-shaped
                 Makefile.in and stand-ins for xv6's headers with stock
                 signatures) with the page's Makefile lines and files,
                 linked with a bare riscv64-linux-gnu-ld (no libgcc) at
                 xv6's -O and every level above; the library's objects
                 must reference nothing outside themselves; make clean
                 must remove them.
Exit 0 when all pass, 1 on the first failure, 77 when nothing could run.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

MARK = re.compile(r'^<!--\s*doctest:\s*(.*?)\s*-->\s*$')


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def parse(doc):
    lines = open(doc).read().split('\n')
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r'^```(\w*)', lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith('```'):
            j += 1
        k = i - 1
        while k >= 0 and lines[k].strip() == '':
            k -= 1
        mark = MARK.match(lines[k]) if k >= 0 else None
        if not mark:
            fail('%s:%d: code block without a <!-- doctest: ... --> marker' % (doc, i + 1))
        attrs = dict(a.split('=', 1) for a in mark.group(1).split())
        blocks.append((i + 1, attrs, '\n'.join(lines[i + 1:j]) + '\n'))
        i = j + 1
    return blocks


def squash(text):
    return re.sub(r'\s+', ' ', text).strip()


def run(cmd, cwd, env=None, expect_ok=True, log=None):
    r = subprocess.run(cmd, cwd=cwd, env=env, shell=isinstance(cmd, str),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       executable='/bin/bash' if isinstance(cmd, str) else None)
    if log is not None:
        log.append(r.stdout)
    if expect_ok and r.returncode != 0:
        print(r.stdout[-6000:])
        fail('%s (in %s) exited %d' % (cmd if isinstance(cmd, str) else ' '.join(cmd),
                                         cwd, r.returncode))
    return r


def readelf_flags(path):
    r = subprocess.run(['riscv64-linux-gnu-readelf', '-h', '-S', path],
                       stdout=subprocess.PIPE, text=True)
    return r.stdout


def check_kernel(path, soft):
    out = readelf_flags(path)
    want = 'soft-float ABI' if soft else 'double-float ABI'
    if want not in out:
        fail('%s: not a %s kernel:\n%s' % (path, want, out[:800]))
    if not re.search(r'\.text\s+PROGBITS\s+0*80200000', out):
        fail('%s: .text is not at 0x80200000' % path)


# Kernels build with any of these (xv6: -O); the Makefile routes run at each,
# so a warning only one level's analysis finds fails the test.
OPT_LEVELS = ['-O2', '-O0', '-O1', '-Og', '-Os', '-O3']


def make_route(name, cc, kflags, is_soft, level, kdir, work, lib):
    """One Makefile route at one -O level: native compiles the library and
    vm.c, riscv64 links the kernel at 0x80200000 and checks its ABI."""
    out = os.path.join(work, name)
    base = ['make', '-j2', '-f', 'Makefile', 'CC=' + cc, 'KCFLAGS=' + kflags,
            'OPT=' + level, 'O=' + out, 'SV39=' + lib]
    if is_soft is None:
        objs = [os.path.join(out, 'vm.o')]
        run(base + ['sv39'] + objs, kdir)
        nobj = len(os.listdir(os.path.join(out, 'sv39')))
        print('ok: %s: library and vm.c compiled (%d library objects)' % (name, nobj // 2))
    else:
        run(base + [os.path.join(out, 'kernel')], kdir)
        check_kernel(os.path.join(out, 'kernel'), is_soft)
        print('ok: %s: kernel linked at 0x80200000 (%s)' % (name, kflags))
    shutil.rmtree(out)
    return 1


def xv6_route(level, src, work, xv6files, xv6make):
    """Section 5's port built as xv6 builds: the Makefile lines added to an
    xv6-shaped Makefile, a bare ld link, nothing undefined in the library,
    and make clean removing its objects."""
    name = 'xv6' + level
    tree = os.path.join(work, name)
    shutil.copytree(os.path.join(src, 'tests', 'docs', 'xv6'), tree)
    mk = open(os.path.join(tree, 'Makefile.in')).read()
    for part in ('vars', 'rules'):
        if part not in xv6make:
            fail('no xv6make=%s block' % part)
        mk = mk.replace('@SV39_%s@' % part.upper(), xv6make[part])
    with open(os.path.join(tree, 'Makefile'), 'w') as f:
        f.write(mk)
    for path, text in xv6files.items():
        with open(os.path.join(tree, path), 'w') as f:
            f.write(text)
    os.symlink(os.path.join(src, 'libsv39'), os.path.join(tree, 'libsv39'))
    run(['make', '-j2', 'XV6_OPT=' + level, 'kernel/kernel'], tree)
    sv39 = os.path.join(tree, 'kernel', 'sv39')
    objs = sorted(os.path.join(sv39, o) for o in os.listdir(sv39) if o.endswith('.o'))
    nm = ['riscv64-linux-gnu-nm']
    undef = set(run(nm + ['-u'] + objs, tree).stdout.split())
    defined = set(l.split()[-1] for l in run(nm + ['--defined-only'] + objs, tree).stdout.split('\n')
                  if len(l.split()) == 3)
    # panic is the kernel's, called by SV39_ASSERT from sv39_env.h
    outside = sorted(u for u in undef - defined - {'panic'}
                     if u != 'U' and not u.endswith(':'))
    if outside:
        fail('%s: the library objects need %s from outside' % (name, outside))
    run(['make', 'clean'], tree)
    if os.path.exists(sv39) or os.path.exists(os.path.join(tree, 'kernel', 'kernel')):
        fail('%s: make clean left the kernel or kernel/sv39' % name)
    print('ok: %s: stock-xv6 vm.c and %d library objects linked by a bare ld, '
          'nothing undefined but panic; make clean' % (name, len(objs)))
    shutil.rmtree(tree)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--src', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--doc')
    ap.add_argument('--only', default='')
    ap.add_argument('--break-assert', action='store_true',
                    help='drop the panic declaration from sv39_env.h (must fail)')
    a = ap.parse_args()
    src = os.path.abspath(a.src)
    doc = a.doc or os.path.join(src, 'docs', 'porting.md')
    work = os.path.abspath(a.work)
    only = set(a.only.split(',')) - {''}

    def wanted(name):
        return not only or name in only

    blocks = parse(doc)
    files, riscv_only, wraps, runs = {}, set(), {}, {}
    xv6files, xv6make, glue = {}, {}, 0
    for line, attrs, text in blocks:
        if 'excerpt' in attrs:
            target = open(os.path.join(src, attrs['excerpt'])).read()
            if squash(text) not in squash(target):
                fail('%s:%d: block is not in %s as written' % (doc, line, attrs['excerpt']))
        elif 'file' in attrs:
            name = attrs['file']
            files[name] = files.get(name, '') + text
            if attrs.get('arch') == 'riscv64':
                riscv_only.add(name)
        elif 'wrap' in attrs:
            wraps[attrs['wrap']] = text
        elif 'run' in attrs:
            runs[attrs['run']] = text
        elif 'xv6file' in attrs:
            xv6files[attrs['xv6file']] = xv6files.get(attrs['xv6file'], '') + text
            if attrs.get('glue') == '1':
                glue += text.count('\n')
        elif 'xv6make' in attrs:
            xv6make[attrs['xv6make']] = text
        else:
            fail('%s:%d: marker with no role: %s' % (doc, line, attrs))
    for need in ('xv6.h', 'sv39_env.h', 'hw.c', 'vm.c', 'Makefile', 'meson.build'):
        if need not in files:
            fail('no block makes %s' % need)
    for need in ('kernel/vm.c', 'kernel/sv39_env.h'):
        if need not in xv6files:
            fail('no block makes the xv6 port\'s %s' % need)
    # the glue: the marked blocks and the one #include of the library
    glue += len(re.findall(r'^#include <sv39/', xv6files['kernel/vm.c'], re.M))
    if glue > 80:
        fail('the stock-xv6 glue is %d lines, more than 80' % glue)
    if ('**%d lines**' % glue) not in open(doc).read():
        fail('the page does not state the glue as **%d lines**' % glue)
    if a.break_assert:
        files['sv39_env.h'] = re.sub(r'^void panic.*\n', '', files['sv39_env.h'], flags=re.M)
    print('%s: %d blocks: files %s, wraps %s, runs %s' % (
        doc, len(blocks), ' '.join(sorted(files)), ' '.join(sorted(wraps)),
        ' '.join(sorted(runs))))

    shutil.rmtree(work, ignore_errors=True)
    kdir = os.path.join(work, 'kernel')
    os.makedirs(kdir)
    for name, text in files.items():
        with open(os.path.join(kdir, name), 'w') as f:
            f.write(text)
    shutil.copy(os.path.join(src, 'tests', 'docs', 'main.c'), kdir)
    have = {p: shutil.which(p) is not None for p in
            ('gcc', 'clang', 'riscv64-linux-gnu-gcc', 'make', 'meson', 'ninja', 'pkg-config')}
    ran = 0

    # --- the Makefile, every compiler ---
    lib = os.path.join(src, 'libsv39')
    # GNU as wants zicsr/zifencei named; clang 14 does not know the names
    soft = '-march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany'
    soft_clang = '--target=riscv64-unknown-elf -march=rv64imac -mabi=lp64 -mcmodel=medany'
    hard = '-march=rv64gc -mabi=lp64d -mcmodel=medany'
    makes = [
        ('make-native-gcc', 'gcc', '', None),
        ('make-native-clang', 'clang', '', None),
        ('make-rv64-gcc', 'riscv64-linux-gnu-gcc', hard, False),
        ('make-rv64-gcc-softfloat', 'riscv64-linux-gnu-gcc', soft, True),
        ('make-rv64-clang', 'clang', '--target=riscv64-unknown-elf ' + hard, False),
        ('make-rv64-clang-softfloat', 'clang', soft_clang, True),
    ]
    for level in OPT_LEVELS:
        for name, cc, kflags, is_soft in makes:
            if not wanted(name) or not have['make'] or not have[cc]:
                continue
            if is_soft is not None and not have['riscv64-linux-gnu-gcc']:
                continue
            if is_soft is not None and cc == 'clang' and not shutil.which('ld.lld'):
                print('SKIP: %s: clang links riscv64 with ld.lld, which is not installed' % name)
                continue
            ran += make_route(name + level, cc, kflags, is_soft, level, kdir, work, lib)
    if wanted('medlow-must-fail') and have['make'] and have['riscv64-linux-gnu-gcc']:
        out = os.path.join(work, 'medlow')
        r = run(['make', '-j2', '-f', 'Makefile', 'KCFLAGS=-march=rv64imac_zicsr_zifencei '
                 '-mabi=lp64 -mcmodel=medlow', 'O=' + out, 'SV39=' + lib, os.path.join(out, 'kernel')],
                kdir, expect_ok=False)
        if r.returncode == 0 or 'relocation truncated' not in r.stdout:
            print(r.stdout[-3000:])
            fail('medlow-must-fail: a -mcmodel=medlow kernel linked at 0x80200000')
        print('ok: medlow-must-fail: -mcmodel=medlow does not link at 0x80200000, as it must not')
        ran += 1

    # --- meson: the repository (or libsv39/ alone) as a subproject ---
    if have['meson'] and have['ninja'] and have['riscv64-linux-gnu-gcc']:
        cross = os.path.join(src, 'cross-riscv64.txt')
        for name, sub, target in [('meson-wrap-libsv39', 'libsv39', src),
                                  ('meson-wrap-sv39', 'sv39', src),
                                  ('meson-libsv39-folder', 'libsv39', lib)]:
            if not wanted(name):
                continue
            proj = os.path.join(work, name)
            shutil.copytree(kdir, proj)
            os.makedirs(os.path.join(proj, 'subprojects'))
            mb = files['meson.build'].replace("subproject('libsv39')", "subproject('%s')" % sub)
            with open(os.path.join(proj, 'meson.build'), 'w') as f:
                f.write(mb)
            if target == src:
                # a wrap that was already fetched: meson uses the folder
                with open(os.path.join(proj, 'subprojects', sub + '.wrap'), 'w') as f:
                    f.write(wraps['libsv39'])
            os.symlink(target, os.path.join(proj, 'subprojects', sub))
            b = os.path.join(proj, 'b')
            run(['meson', 'setup', '--cross-file', cross, b], proj)
            targets = run(['ninja', '-C', b, '-t', 'targets', 'all'], proj).stdout
            demo = [t for t in targets.split('\n') if re.search(r'/(kernel|user|bench|tests)/', t)]
            if demo:
                fail('%s: the subproject builds more than the library: %s' % (name, demo[:3]))
            run(['ninja', '-C', b], proj)
            check_kernel(os.path.join(b, 'kernel'), True)
            nsteps = len(re.findall(r'^build \S+\.o:', open(os.path.join(b, 'build.ninja')).read(), re.M))
            print('ok: %s: soft-float kernel at 0x80200000, %d objects, no demo targets'
                  % (name, nsteps))
            ran += 1

    # --- installed copy + pkg-config, then the one-file distribution ---
    if wanted('pkgconfig') and have['meson'] and have['pkg-config'] and \
            have['riscv64-linux-gnu-gcc']:
        prefix = os.path.join(work, 'opt')

        def subst(text):
            return text.replace('/opt/riscv', prefix).replace(
                'build-sv39', os.path.join(work, 'build-sv39'))
        run(subst(runs['install']), src)
        bs = os.path.join(work, 'build-sv39')
        cc_json = open(os.path.join(bs, 'compile_commands.json')).read()
        if '-O3' not in cc_json or 'kernel' in os.listdir(bs):
            fail('pkgconfig: the install did not build just the library, optimised')
        pcdir = os.path.join(prefix, 'lib', 'pkgconfig')
        if not os.path.exists(os.path.join(pcdir, 'libsv39.pc')):
            fail('pkgconfig: no %s/libsv39.pc' % pcdir)
        env = dict(os.environ)
        env.pop('PKG_CONFIG_PATH', None)
        env.pop('PKG_CONFIG_SYSROOT_DIR', None)
        pdir = os.path.join(work, 'pkgconfig-kernel')
        shutil.copytree(kdir, pdir)
        run(subst(runs['pkgconfig']), pdir, env=env)
        check_kernel(os.path.join(pdir, 'kernel'), True)
        pc = open(os.path.join(pcdir, 'libsv39.pc')).read()
        print('ok: pkgconfig: installed, .pc says %s' %
              ' '.join(l for l in pc.split('\n') if l.startswith('riscv_')))
        run(subst(runs['onefile']), pdir)
        run(['riscv64-linux-gnu-gcc', '-march=rv64imac_zicsr_zifencei', '-mabi=lp64',
             '-mcmodel=medany',
             '-nostdlib', '-static', '-no-pie', '-Wl,-Ttext=0x80200000', '-o', 'kernel1',
             'main.o', 'vm.o', 'hw.o', 'sv39.o'], pdir)
        check_kernel(os.path.join(pdir, 'kernel1'), True)
        print('ok: onefile: amalgamated sv39.c compiled and linked into the kernel')
        ran += 1

    # --- stock xv6: the page's Makefile lines in an xv6-shaped Makefile ---
    if wanted('xv6') and have['make'] and have['riscv64-linux-gnu-gcc']:
        for level in ['-O'] + OPT_LEVELS:
            ran += xv6_route(level, src, work, xv6files, xv6make)

    if not ran:
        print('SKIP: no compiler or tool for any route')
        sys.exit(77)
    print('porting-doc: %d routes built from %s' % (ran, doc))


if __name__ == '__main__':
    main()
