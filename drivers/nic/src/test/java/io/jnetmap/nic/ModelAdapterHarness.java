package io.jnetmap.nic;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.PortName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a driver's unit tests against its chip model share: a small NIC region in /dev/shm, the
 * model, its {@link ModelDevice} and the adapter, the ports a test bound, and the checks after each
 * test: closing the last port destroys the adapter and releases the region; then the model is
 * checked ({@link #checkModel}) and closed. The test class opens the adapter its own way.
 */
public abstract class ModelAdapterHarness<M extends RegisterModel, A extends NicAdapter> {
    protected M model;
    protected ModelDevice dev;
    protected A adapter;
    protected NetmapPort port;
    protected final List<NetmapPort> ports = new ArrayList<>();

    /** A NIC region of 8 Ki buffers in /dev/shm: enough for the tests' rings, quick to create. */
    @BeforeAll
    public static void smallRegion() {
        System.setProperty(NicRegion.DIR_PROPERTY, "/dev/shm");
        System.setProperty(NicRegion.BUFFERS_PROPERTY, Integer.toString(8192 + 2));
    }

    /** Binds a port to the adapter by its netmap name; closed after the test. */
    protected NetmapPort bind(String name) {
        NetmapPort p = NetmapPort.bind(PortName.parse(name), adapter);
        ports.add(p);
        return p;
    }

    protected void closePorts() {
        for (NetmapPort p : ports) p.close();
        ports.clear();
    }

    @AfterEach
    protected void close() {
        closePorts();
        if (adapter != null) assertTrue(adapter.isDestroyed(), "the last port's close destroys the adapter");
        assertFalse(NicRegion.isOpen(), "the NIC region is released with the last NIC");
        if (model != null) {
            checkModel();
            model.close();
        }
    }

    /**
     * For properties, whose tries get no JUnit callbacks: the region settings, {@code body}, then
     * the after-test checks and closing; a failure of the body comes first, with the checks'
     * failures attached.
     */
    protected final void eachTry(Runnable body) {
        smallRegion();
        try {
            body.run();
        } catch (Throwable t) {
            try {
                close();
            } catch (Throwable s) {
                t.addSuppressed(s);
            } finally {
                model = null;
                adapter = null;
            }
            throw t;
        }
        try {
            close();
        } finally {
            model = null;
            adapter = null;
        }
    }

    /** Checks of the model after the test (what it saw the driver do wrong), before it is closed. */
    protected void checkModel() { }
}
