/**
 * The native layer: libc through jffi ({@link io.jnetmap.sys.Libc}), errors that name the call and
 * errno ({@link io.jnetmap.sys.NativeException}), and off-heap memory with explicit ordering
 * ({@link io.jnetmap.sys.OffHeapBuffer}). No sun.misc.Unsafe.
 */
package io.jnetmap.sys;
