# shellcheck shell=bash
# Sourced by hwtests/lab/run: the guest kernel and the (cached) initramfs.

# Modules the initramfs inserts before it can reach the host's root; their
# dependencies (netfs, fscache, 9pnet, virtio_ring, ...) are added from modinfo.
LAB_INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p overlay)
# Bump to force every cached initramfs to be rebuilt.
LAB_INITRAMFS_FORMAT=1

# Newest installed Debian kernel that has its modules: prints its version.
lab_pick_kernel() {
  local v best=""
  for v in /boot/vmlinuz-*; do
    [[ -r "$v" ]] || continue
    v=${v#/boot/vmlinuz-}
    [[ -f /lib/modules/$v/modules.dep ]] || continue
    if [[ -z "$best" ]] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
  done
  [[ -n "$best" ]] || lab_die "no kernel with modules under /boot and /lib/modules (is linux-image-amd64 installed?)"
  echo "$best"
}

# Prints the module files to insert, dependencies first, one per line.
lab_module_closure() { # KVER MODULE...
  local kv=$1; shift
  local -A seen=()
  local -a order=()
  _lab_mod() {
    local m=${1//-/_} f d
    [[ -n "${seen[$m]:-}" ]] && return 0
    seen[$m]=1
    f=$(modinfo -k "$kv" -n "$m" 2>/dev/null) || lab_die "module $m not found for kernel $kv"
    [[ "$f" == /* ]] || return 0 # built in
    for d in $(modinfo -k "$kv" -F depends "$m" | tr ',' ' '); do _lab_mod "$d"; done
    order+=("$f")
  }
  local m
  for m in "$@"; do _lab_mod "$m"; done
  printf '%s\n' "${order[@]}"
}

# Builds (or reuses) the initramfs for kernel KVER; prints its path.
lab_initramfs() { # KVER
  local kv=$1 busybox=/bin/busybox
  [[ -x $busybox ]] || lab_die "$busybox missing (busybox-static)"
  local mods
  mods=$(lab_module_closure "$kv" "${LAB_INITRAMFS_MODULES[@]}") || exit 1
  local key
  key=$( {
    echo "format $LAB_INITRAMFS_FORMAT $kv"
    sha256sum <"$busybox"
    sha256sum <"$LAB_DIR/lib/initramfs-init" # content only: any checkout shares the image
    # shellcheck disable=SC2086
    sha256sum $mods
  } | sha256sum | cut -c1-16)
  local out="$LAB_CACHE/initramfs-$kv-$key.cpio.gz"
  if [[ -s "$out" ]]; then echo "$out"; return 0; fi

  mkdir -p "$LAB_CACHE"
  local st
  st=$(mktemp -d "$LAB_CACHE/.build.XXXXXX")
  mkdir -p "$st"/{bin,dev,proc,sys,lab,modules}
  cp "$busybox" "$st/bin/busybox"
  install -m 0755 "$LAB_DIR/lib/initramfs-init" "$st/init"
  [[ $EUID -eq 0 ]] && mknod -m 600 "$st/dev/console" c 5 1
  local f b
  while read -r f; do
    b=${f##*/}
    case "$f" in
      *.ko.xz) xz -dc "$f" >"$st/modules/${b%.xz}"; b=${b%.xz} ;;
      *.ko.zst) zstd -qdc "$f" >"$st/modules/${b%.zst}"; b=${b%.zst} ;;
      *.ko.gz) gzip -dc "$f" >"$st/modules/${b%.gz}"; b=${b%.gz} ;;
      *) cp "$f" "$st/modules/$b" ;;
    esac
    echo "$b" >>"$st/modules/order"
  done <<<"$mods"
  (cd "$st" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$st.cpio.gz"
  mv -f "$st.cpio.gz" "$out" # atomic: concurrent runs see either nothing or the whole file
  rm -rf "$st"
  # Drop initramfs images of older inputs.
  find "$LAB_CACHE" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "${out##*/}" -mmin +60 -delete 2>/dev/null || true
  lab_log "built initramfs ${out##*/}"
  echo "$out"
}

# Per-run archive appended to the cached one: /lab/repo and /lab/run.
lab_run_initrd() { # BASE OUT
  local st="$LAB_TMP/initrd.d"
  mkdir -p "$st/lab"
  printf '%s\n' "$REPO" >"$st/lab/repo"
  printf '%s\n' "$RES" >"$st/lab/run"
  {
    cat "$1"
    (cd "$st" && find lab | cpio -o -H newc -R 0:0 --quiet) | gzip -1
  } >"$2"
}
