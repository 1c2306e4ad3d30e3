#!/bin/sh
# make deb: a Debian binary package of the kit from `make install PREFIX=/usr`,
# with its run-time dependencies from dpkg-shlibdeps (plus openssl, which the
# suite runs to make test certificates), stripped programs, compressed man
# pages, a Debian changelog and copyright file; then lintian (no errors
# allowed).  Prints the path of the .deb on its last line.
#
# usage: sh mk/deb.sh SOURCE_TREE OUT_DIR        (make deb: OUT_DIR = the build folder)
# DEB_LINTIAN=0 skips lintian (make ci-test, whose package make deb-test checks).
set -eu
src=$(cd "$1" && pwd)
mkdir -p "$2"
build=$(cd "$2" && pwd)
ver=$(cat "$src/VERSION")
arch=$(dpkg --print-architecture)
pkg=sscas-kit
work=$build/deb
root=$work/root
rm -rf "$work"
mkdir -p "$root/DEBIAN" "$work/shlibs/debian"
umask 022

${MAKE:-make} -s --no-print-directory -C "$src" install DESTDIR="$root" PREFIX=/usr >/dev/null

strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root"/usr/bin/*
gzip -9n "$root"/usr/share/man/man1/*.1
doc=$root/usr/share/doc/$pkg
install -m 0644 "$src/mk/deb/copyright" "$doc/copyright"
# Reproducible: every date comes from the last commit (or VERSION's mtime).
when=$(git -C "$src" log -1 --format=%ct 2>/dev/null || stat -c %Y "$src/VERSION")
{
    echo "$pkg ($ver) unstable; urgency=medium"
    echo
    echo "  * Release $ver; the history of the kit and of the connector contract is in"
    echo "    /usr/share/doc/$pkg/docs/changelog.md."
    echo
    echo " -- $(sed -n 's/^Maintainer: //p' "$src/mk/deb/control.in")  $(LC_ALL=C date -u -R -d "@$when")"
} | gzip -9n > "$doc/changelog.gz"
chmod -R u=rwX,go=rX "$root/usr"
chmod 0755 "$root"/usr/bin/*
find "$root" -exec touch -h -d "@$when" {} +

# Run-time libraries of the programs, as Debian package names and versions.
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" > "$work/shlibs/debian/control"
deps=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$root"/usr/bin/* 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$deps" ] || { echo "deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --apparent-size "$root/usr" | cut -f1)
sed -e "s/@VERSION@/$ver/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$deps/" \
    "$src/mk/deb/control.in" > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

out=$build/${pkg}_${ver}_${arch}.deb
rm -f "$out"
SOURCE_DATE_EPOCH=$when dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null

# lintian: errors fail the build; warnings are shown.
if [ "${DEB_LINTIAN:-1}" = 0 ]; then
    :
elif command -v lintian >/dev/null; then
    lintian --fail-on error --suppress-tags-from-file /dev/null "$out" >&2 ||
        { echo "deb: lintian reported errors" >&2; exit 1; }
else
    echo "deb: lintian is not installed (make deb installs it as root)" >&2
    exit 1
fi
echo "$out"
