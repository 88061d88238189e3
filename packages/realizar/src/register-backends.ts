/**
 * Registers the backends that live above trueno with its backend registry: importing trueno-gpu
 * registers `cuda` (its probe loads the CUDA driver lazily). Imported for the side effect by the
 * package entry and by the worker-thread hosts, whose threads have their own registry.
 */
import '@sovereign/trueno-gpu';
