/**
 * netmap's rings in user space: the memory region in netmap's binary layout
 * ({@link io.jnetmap.rings.MemoryRegion}), rings as applications see them
 * ({@link io.jnetmap.rings.NetmapRing}), the generic ring rules ({@link io.jnetmap.rings.Kring}),
 * the back-end SPI ({@link io.jnetmap.rings.NetmapAdapter}), ports opened by netmap names
 * ({@link io.jnetmap.rings.NetmapPort}) and netmap pipes.
 */
package io.jnetmap.rings;
