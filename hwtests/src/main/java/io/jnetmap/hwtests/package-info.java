/** Hardware regression suite: tests live under src/test and carry the JUnit tag {@code hardware}. */
package io.jnetmap.hwtests;
