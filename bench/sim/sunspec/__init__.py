"""Simulated SunSpec Modbus TCP server of the lab (register image from pysunspec2's model
definitions; pymodbus only inside ``pymodbus_adapter``)."""
