import Foundation
import VictorCommandLine

VictorCommand.prepareProcess()
exit(await VictorCommand.runMain())
