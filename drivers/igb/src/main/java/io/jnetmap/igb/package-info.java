/** The igb driver: its issue is not done yet; this module holds only its build. */
package io.jnetmap.igb;
