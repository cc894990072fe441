/** The e1000e driver: its issue is not done yet; this module holds only its build. */
package io.jnetmap.e1000e;
