import Foundation
import VictorCommandLine

exit(await VictorCommand.runMain())
